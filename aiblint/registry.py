"""Rule and formatter plugins, from the ``aiblint.rules`` and
``aiblint.formatters`` entry points.

Entry point names are rule ids (``AIB201``) or id families (``SC``). The
built-in rules are registered the same way as a third-party package's, so the
plugin path runs every day. Only enabled rules are imported: by stevedore
when the installation changed, else straight from the cached listing.
Listing the entry points is :mod:`aiblint.entrypoints` (cached, and correct
right after an install); formatters are loaded from that listing directly.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import TYPE_CHECKING, Any

from aiblint.constants import FORMATTER_ENTRY_POINTS, RULE_ENTRY_POINTS
from aiblint.entrypoints import EntryPoint, EntryPointError, entry_points
from aiblint.rule import Rule
from aiblint.selection import Selection

if TYPE_CHECKING:
    from aiblint.formatters import RuleInfo


class PluginError(Exception):
    """A rule plugin could not be loaded or is not a valid rule."""


def available_rule_ids() -> list[str]:
    """Every registered rule id, without importing any rule module."""
    return sorted({entry_point.name for entry_point in entry_points(RULE_ENTRY_POINTS)})


def enabled_rule_entry_points(selection: Selection) -> list[EntryPoint]:
    """The entry points of the rules ``selection`` enables, by id."""
    chosen = {ep.name: ep for ep in entry_points(RULE_ENTRY_POINTS) if selection.plugin_enabled(ep.name)}
    return [chosen[name] for name in sorted(chosen)]


class RuleSet:
    """The enabled rules, ordered by id.

    Loaded lazily when asked (``RuleSet.load(..., lazy=True)``): the rule
    modules are imported when :attr:`rules` is first read, so a run whose
    files all come from the result cache imports none of them."""

    def __init__(
        self,
        rules: list[Rule] | None = None,
        sources: tuple[EntryPoint, ...] = (),
        options: Mapping[str, Mapping[str, object]] | None = None,
    ) -> None:
        self._rules = rules
        #: The entry points the rules come from (what a result cache keys on); empty when built by hand.
        self.sources = sources
        self.options: dict[str, Mapping[str, object]] = dict(options or {})

    @property
    def rules(self) -> list[Rule]:
        if self._rules is None:
            self._rules = _instantiate(self.sources, self.options)
        return self._rules

    @property
    def loaded(self) -> bool:
        return self._rules is not None

    @classmethod
    def load(
        cls,
        selection: Selection,
        options: Mapping[str, Mapping[str, object]] | None = None,
        *,
        lazy: bool = False,
    ) -> RuleSet:
        """Every enabled rule; ``options`` maps a rule id to the options it is
        given. Imported now, or when first used if ``lazy`` (a broken plugin
        then raises :class:`PluginError` there)."""
        rule_set = cls(None, tuple(enabled_rule_entry_points(selection)), options)
        if not lazy:
            rule_set.rules  # noqa: B018 - import now: a broken plugin fails here
        return rule_set

    @classmethod
    def load_all(cls) -> RuleSet:
        return cls.load(Selection())


def _instantiate(sources: tuple[EntryPoint, ...], options: Mapping[str, Mapping[str, object]]) -> list[Rule]:
    """The rule instances of ``sources``, in order, each given its options.

    When the installation changed since the entry points were last listed
    (:func:`aiblint.entrypoints.scanned`), stevedore loads the plugins, as
    flake8-style tools do; on every other run the classes are imported straight
    from the cached listing, which costs no stevedore, ``importlib.metadata``
    or ``email`` import (about 20 ms of a cold run). Both paths load the same
    entry points in the same order and fail the same way.
    """
    from aiblint.entrypoints import scanned

    loaded = _load_with_stevedore(sources) if scanned() else _load_listed(sources)
    rules = []
    for name, plugin in loaded:
        rule_class = _check_plugin(name, plugin)
        rules.append(rule_class(options.get(rule_class.id, {})))
    return rules


def _load_failed(entry_point: EntryPoint, error: BaseException) -> PluginError:
    reason = error if isinstance(error, EntryPointError) else f"{type(error).__name__}: {error}"
    return PluginError(f"rule plugin {entry_point.name} ({entry_point.value}) failed to load: {reason}")


def _load_listed(sources: tuple[EntryPoint, ...]) -> list[tuple[str, object]]:
    loaded = []
    for entry_point in sources:
        try:
            loaded.append((entry_point.name, entry_point.load()))
        except EntryPointError as error:
            raise _load_failed(entry_point, error) from None
    return loaded


def _load_with_stevedore(sources: tuple[EntryPoint, ...]) -> list[tuple[str, object]]:
    """stevedore's ``NamedExtensionManager`` over the enabled ids, handed our
    own listing (:mod:`aiblint.entrypoints`) instead of scanning the
    installation itself: its cache keys on float32 modification times and can
    miss a plugin installed a minute ago."""
    from stevedore import NamedExtensionManager

    class ListedExtensionManager(NamedExtensionManager):  # type: ignore[type-arg]
        def list_entry_points(self) -> Any:  # our EntryPoint has the name/value/load() stevedore uses
            return list(sources)

    def failed(_manager: Any, entry_point: Any, error: BaseException) -> None:
        raise _load_failed(entry_point, error)

    manager: Any = ListedExtensionManager(
        RULE_ENTRY_POINTS,
        names=[entry_point.name for entry_point in sources],
        name_order=True,
        on_load_failure_callback=failed,
        on_missing_entrypoints_callback=None,
    )
    return [(extension.name, extension.plugin) for extension in manager]


def formatter_class(name: str) -> type | None:
    """The formatter registered as ``name``, or ``None`` if there is none."""
    found = next((ep for ep in entry_points(FORMATTER_ENTRY_POINTS) if ep.name == name), None)
    if found is None:
        return None
    try:
        plugin = found.load()
    except EntryPointError as error:
        raise PluginError(f"formatter plugin {name} ({found.value}) failed to load: {error}") from None
    if not isinstance(plugin, type):
        raise PluginError(f"formatter plugin {name} ({found.value}) is not a class")
    return plugin


def _check_plugin(name: str, plugin: object) -> type[Rule]:
    if not (isinstance(plugin, type) and issubclass(plugin, Rule)):
        raise PluginError(f"rule plugin {name} is not a subclass of aiblint.rule.Rule")
    if plugin.id != name:
        raise PluginError(f"rule plugin {name} declares id {plugin.id!r}; the entry point name must match")
    return plugin


def rule_infos_of(rules: Iterable[Rule]) -> dict[str, RuleInfo]:
    """What output formats may say about each rule, from the rule classes."""
    from aiblint.formatters import RuleInfo

    return {
        rule.id: RuleInfo(rule.id, rule.name, rule.severity, rule.summary, rule.description, rule.help_uri(),
                          tuple(rule.tags), rule.security_severity)
        for rule in rules
    }
