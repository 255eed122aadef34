"""Load rule plugins from the ``aiblint.rules`` entry points with stevedore.

Entry point names are rule ids (``AIB201``) or id families (``SC``). The
built-in rules are registered the same way as a third-party package's, so the
plugin path runs every day. Only enabled rules are imported.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from aiblint.constants import RULE_ENTRY_POINTS
from aiblint.rule import Rule
from aiblint.selection import Selection


class PluginError(Exception):
    """A rule plugin could not be loaded or is not a valid rule."""


def available_rule_ids() -> list[str]:
    """Every registered rule id, without importing any rule module."""
    from stevedore import ExtensionManager

    entry_points = ExtensionManager.list_entry_points(_namespace_manager())
    return sorted({entry_point.name for entry_point in entry_points})


def _namespace_manager() -> Any:
    # list_entry_points only reads ``namespace``; avoid loading anything.
    from stevedore import ExtensionManager

    manager = ExtensionManager.__new__(ExtensionManager)
    manager.namespace = RULE_ENTRY_POINTS
    return manager


@dataclass
class RuleSet:
    rules: list[Rule] = field(default_factory=list)

    @classmethod
    def load(
        cls,
        selection: Selection,
        options: Mapping[str, Mapping[str, object]] | None = None,
    ) -> RuleSet:
        """Import and instantiate every enabled rule; ``options`` maps a rule id
        to the options it is given."""
        from stevedore import NamedExtensionManager

        wanted = [name for name in available_rule_ids() if selection.plugin_enabled(name)]
        if not wanted:
            return cls([])

        def failed(_manager: object, entry_point: Any, error: BaseException) -> None:
            raise PluginError(f"rule plugin {entry_point.name} ({entry_point.value}) failed to load: {error}")

        manager: Any = NamedExtensionManager(
            RULE_ENTRY_POINTS,
            names=wanted,
            name_order=True,
            on_load_failure_callback=failed,
            on_missing_entrypoints_callback=None,
        )
        rules = []
        for extension in manager:
            rule_class = _check_plugin(extension.name, extension.plugin)
            rules.append(rule_class((options or {}).get(rule_class.id, {})))
        return cls(rules)

    @classmethod
    def load_all(cls) -> RuleSet:
        return cls.load(Selection())


def _check_plugin(name: str, plugin: object) -> type[Rule]:
    if not (isinstance(plugin, type) and issubclass(plugin, Rule)):
        raise PluginError(f"rule plugin {name} is not a subclass of aiblint.rule.Rule")
    if plugin.id != name:
        raise PluginError(f"rule plugin {name} declares id {plugin.id!r}; the entry point name must match")
    return plugin
