"""The resident mode on Windows: a named pipe for the socket, a fresh process for ``fork``.

**Not run on Windows by anything in this project's tests or CI** (there is no Windows
machine): what runs only on Windows is marked ``WINDOWS ONLY`` and starts with a check of
``sys.platform`` that raises elsewhere. What runs here is tested here
(``tests/test_winpipe.py``): the pipe's name, the security descriptor's text, and the
client's fallback when no pipe answers; the frames the client and the run exchange are
:mod:`aiblint.server.relay`'s, tested end to end over the Unix socket; ``mypy --platform
win32`` checks this module's Windows code against the stubs of ``_winapi``.

The pipe, ``\\\\.\\pipe\\aiblint-<user>-<hash>`` (:func:`pipe_name`): one per user,
repository root and installation, as the socket's name on Linux.

Why not :mod:`multiprocessing.connection`: its ``Listener(family="AF_PIPE")`` creates the
pipe with no security attributes, so the pipe gets the default security descriptor, which
(Microsoft's "Named Pipe Security and Access Rights") lets everyone and the anonymous
account read from it; and its ``Client`` retries a busy pipe for 20 seconds, where a busy
server must mean "run the command yourself" at once. So this module creates the pipe
itself, with ``_winapi`` for the pipe's I/O and ``ctypes`` for the security:

- the pipe's security descriptor (:func:`security_descriptor`) is owned by this user and
  its DACL, protected from inheritance, grants access to this user's SID alone: no other
  account (not even an administrator without taking ownership) can open the pipe or
  create an instance of it;
- the first instance is made with ``FILE_FLAG_FIRST_PIPE_INSTANCE`` (if anyone else holds
  the name, the server does not start) and the server always keeps one instance open, so
  no one else can add one; ``PIPE_REJECT_REMOTE_CLIENTS`` refuses clients over the network;
- the client checks that the pipe it opened is owned by its own user's SID
  (``GetSecurityInfo``), so it hands its command, environment and standard input to no
  one else's server (another user who made the name first).

What cannot be verified here and is relied on from Microsoft's documentation: the access
checks above; that a pipe made by an elevated process can be opened by the same user's
unelevated one (the same SID; integrity levels are not set by this code).

Windows has no ``fork``: each request runs in a **fresh process** that has never run
another one (the same isolation as a forked child: no memo, environment or handler of one
request reaches the next), started and warmed up *before* its request (a spare worker):
the server's process (:class:`PipeServer`) accepts the connection, checks the request as
on Linux, and hands the connected pipe to the spare worker (``DuplicateHandle``), which
runs the command line with the request's arguments, folder, environment and relayed
streams, sends the exit code and ends; then the next spare starts warming up. Running
requests in the server's own process with a reset after each was not chosen: nothing
resets the per-process memos of every module (``reporoot``, the result cache's stamps,
the rule listing), so one request could answer from a repository as another saw it.
A request that arrives while the spare still warms up waits for it. A client that hangs
up interrupts its run within 0.2 s: a thread of the worker looks at the pipe (there is no
``EPOLLRDHUP`` to wait on).
"""

from __future__ import annotations

import hashlib
import ntpath
import sys

from aiblint.server import rendezvous

TYPE_CHECKING = False
if TYPE_CHECKING:
    import ctypes

WINDOWS_ONLY = "the named-pipe transport runs on Windows only"
PREFIX = "\\\\.\\pipe\\"
#: A pipe's name is at most 256 characters; the user's part is kept short.
MAX_USER = 32
#: ``PIPE_REJECT_REMOTE_CLIENTS`` (Windows Vista and later); not in ``_winapi``.
PIPE_REJECT_REMOTE_CLIENTS = 0x8
PIPE_TYPE_BYTE = PIPE_READMODE_BYTE = 0
BUFFER = 64 * 1024
#: ``GetSecurityInfo``'s object type for a pipe handle, and what to read of it.
SE_KERNEL_OBJECT, OWNER_SECURITY_INFORMATION = 6, 1
TOKEN_QUERY, TOKEN_USER = 0x0008, 1
SDDL_REVISION_1 = 1
ERROR_FILE_NOT_FOUND, ERROR_ACCESS_DENIED = 2, 5


# -- what runs everywhere (tested here) ---------------------------------------------------------


def pipe_name(root: str, installation: str, user: str) -> str:
    """The pipe of the server of ``root`` for ``installation`` and ``user``: the user's name
    (letters, digits, ``-``, ``_``, ``.``; others become ``_``) and a hash of the three, the
    root and installation compared as Windows compares paths (case and ``/`` do not matter).
    The name is no secret and no check: the pipe's security descriptor and the client's
    check of its owner are."""
    safe = "".join(char if char.isascii() and (char.isalnum() or char in "-_.") else "_" for char in user)[:MAX_USER]
    key = f"{ntpath.normcase(root)}\0{ntpath.normcase(installation)}\0{user}"
    digest = hashlib.sha256(key.encode("utf-8", "surrogatepass")).hexdigest()[:24]
    return f"{PREFIX}aiblint-{safe or 'user'}-{digest}"


def security_descriptor(sid: str) -> str:
    """The pipe's security descriptor (SDDL): owned by ``sid`` (and its group), a DACL that
    inherits nothing (``P``) and allows ``sid`` generic-all, and no one else anything."""
    if not valid_sid(sid):
        raise rendezvous.Unavailable(f"not a security identifier: {sid!r}")
    return f"O:{sid}G:{sid}D:P(A;;GA;;;{sid})"


def valid_sid(sid: str) -> bool:
    """A SID's text as ``ConvertSidToStringSidW`` writes it: ``S-1-`` and numbers."""
    parts = sid.split("-")
    return len(parts) >= 3 and parts[:2] == ["S", "1"] and all(part.isascii() and part.isdigit() for part in parts[2:])


def refused(error: OSError) -> bool:
    """Whether opening the pipe failed because no server listens there now: no such pipe,
    or every instance busy (the client then runs the command itself, at once)."""
    return getattr(error, "winerror", None) in (ERROR_FILE_NOT_FOUND, 231)  # 231: ERROR_PIPE_BUSY


def connect(address: str) -> PipeChannel | None:
    """The pipe of a server of this user, or ``None`` when no server answers there
    (the command then runs as usual). ``Unavailable`` when the pipe is another user's."""
    try:
        handle = _open(address)
    except OSError as error:
        if refused(error):
            return None
        raise
    channel = PipeChannel(handle)
    try:
        owner = pipe_owner(handle)
        if owner != current_sid():
            raise rendezvous.Unavailable(f"{address} is served by another user ({owner})")
    except BaseException:
        channel.close()
        raise
    return channel


# -- WINDOWS ONLY: the pipe's I/O (_winapi) -----------------------------------------------------


def _open(address: str) -> int:
    """WINDOWS ONLY. The client's end of the pipe (overlapped I/O, as the server's end)."""
    if sys.platform != "win32":
        raise rendezvous.Unavailable(WINDOWS_ONLY)
    import _winapi

    return _winapi.CreateFile(address, _winapi.GENERIC_READ | _winapi.GENERIC_WRITE, 0, _winapi.NULL,
                              _winapi.OPEN_EXISTING, _winapi.FILE_FLAG_OVERLAPPED, _winapi.NULL)


class PipeChannel:
    """WINDOWS ONLY. One end of a connected pipe instance, with the socket's methods the
    resident mode uses (``sendall``, ``recv``, ``settimeout``, ``close``) and ``pending``."""

    def __init__(self, handle: int) -> None:
        self.handle: int | None = handle
        self.timeout: float | None = None

    def __enter__(self) -> PipeChannel:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def settimeout(self, seconds: float | None) -> None:
        self.timeout = seconds

    def close(self) -> None:
        if self.handle is not None and sys.platform == "win32":
            import _winapi

            _winapi.CloseHandle(self.handle)
        self.handle = None

    def fileno(self) -> int:
        raise OSError("a pipe handle is no file descriptor")

    def sendall(self, data: bytes, /) -> None:
        if sys.platform != "win32":
            raise rendezvous.Unavailable(WINDOWS_ONLY)
        import _winapi

        view = memoryview(data)
        while view:
            overlapped, _ = _winapi.WriteFile(self._handle(), view, overlapped=True)
            self._finish(overlapped)
            written, _ = overlapped.GetOverlappedResult(True)
            view = view[written:]

    def recv(self, size: int, /) -> bytes:
        """Up to ``size`` bytes; ``b""`` when the other end closed the pipe."""
        if sys.platform != "win32":
            raise rendezvous.Unavailable(WINDOWS_ONLY)
        import _winapi

        try:
            overlapped, _ = _winapi.ReadFile(self._handle(), size, overlapped=True)
        except OSError as error:
            if getattr(error, "winerror", None) == _winapi.ERROR_BROKEN_PIPE:
                return b""
            raise
        self._finish(overlapped)
        read, error_code = overlapped.GetOverlappedResult(True)
        if error_code == _winapi.ERROR_BROKEN_PIPE:
            return b""
        return bytes(overlapped.getbuffer() or b"")[:read]

    def pending(self) -> bool:
        """Whether bytes from the other end wait (without reading them)."""
        if sys.platform != "win32":
            raise rendezvous.Unavailable(WINDOWS_ONLY)
        import _winapi

        return _winapi.PeekNamedPipe(self._handle())[0] != 0

    def _handle(self) -> int:
        if self.handle is None:
            raise OSError("the pipe is closed")
        return self.handle

    def _finish(self, overlapped: object) -> None:
        """Wait for an overlapped operation, within the timeout; cancel it past that."""
        if sys.platform != "win32":
            raise rendezvous.Unavailable(WINDOWS_ONLY)
        import _winapi

        assert isinstance(overlapped, _winapi.Overlapped)
        milliseconds = _winapi.INFINITE if self.timeout is None else max(0, int(self.timeout * 1000))
        try:
            if _winapi.WaitForMultipleObjects([overlapped.event], False, milliseconds) == _winapi.WAIT_TIMEOUT:
                overlapped.cancel()
                overlapped.GetOverlappedResult(True)
                raise TimeoutError("the resident server did not answer in time")
        except BaseException:
            overlapped.cancel()
            raise


# -- WINDOWS ONLY: who owns the pipe (ctypes, advapi32) ------------------------------------------


def current_sid() -> str:
    """WINDOWS ONLY. This process's user's SID, as text (``S-1-5-21-...``)."""
    if sys.platform != "win32":
        raise rendezvous.Unavailable(WINDOWS_ONLY)
    import ctypes
    from ctypes import wintypes

    advapi32, kernel32 = _libraries()
    token = wintypes.HANDLE()
    if not advapi32.OpenProcessToken(kernel32.GetCurrentProcess(), TOKEN_QUERY, ctypes.byref(token)):
        raise ctypes.WinError(ctypes.get_last_error())
    try:
        size = wintypes.DWORD()
        advapi32.GetTokenInformation(token, TOKEN_USER, None, 0, ctypes.byref(size))  # the size it needs
        buffer = ctypes.create_string_buffer(size.value)
        if not advapi32.GetTokenInformation(token, TOKEN_USER, buffer, size, ctypes.byref(size)):
            raise ctypes.WinError(ctypes.get_last_error())
        sid = ctypes.cast(buffer, ctypes.POINTER(ctypes.c_void_p))[0]  # TOKEN_USER.User.Sid
        return _sid_text(sid)
    finally:
        kernel32.CloseHandle(token)


def pipe_owner(handle: int) -> str:
    """WINDOWS ONLY. The SID (text) that owns the pipe ``handle`` is an end of."""
    if sys.platform != "win32":
        raise rendezvous.Unavailable(WINDOWS_ONLY)
    import ctypes

    advapi32, kernel32 = _libraries()
    owner, descriptor = ctypes.c_void_p(), ctypes.c_void_p()
    error = advapi32.GetSecurityInfo(handle, SE_KERNEL_OBJECT, OWNER_SECURITY_INFORMATION, ctypes.byref(owner),
                                     None, None, None, ctypes.byref(descriptor))
    if error:
        raise ctypes.WinError(error)
    try:
        return _sid_text(owner.value)
    finally:
        kernel32.LocalFree(descriptor)


def _sid_text(sid: int | None) -> str:
    if sys.platform != "win32":
        raise rendezvous.Unavailable(WINDOWS_ONLY)
    import ctypes
    from ctypes import wintypes

    advapi32, kernel32 = _libraries()
    text = wintypes.LPWSTR()
    if not advapi32.ConvertSidToStringSidW(ctypes.c_void_p(sid), ctypes.byref(text)):
        raise ctypes.WinError(ctypes.get_last_error())
    try:
        return str(text.value)
    finally:
        kernel32.LocalFree(ctypes.cast(text, ctypes.c_void_p))


def create_instance(address: str, sddl: str, first: bool) -> int:
    """WINDOWS ONLY. A new listening instance of the pipe, with the security descriptor
    ``sddl`` (the first instance's sets the pipe's), byte mode, overlapped, local clients only."""
    if sys.platform != "win32":
        raise rendezvous.Unavailable(WINDOWS_ONLY)
    import _winapi
    import ctypes
    from ctypes import wintypes

    advapi32, kernel32 = _libraries()

    class SecurityAttributes(ctypes.Structure):
        _fields_ = [("nLength", wintypes.DWORD), ("lpSecurityDescriptor", ctypes.c_void_p),
                    ("bInheritHandle", wintypes.BOOL)]

    descriptor = ctypes.c_void_p()
    if not advapi32.ConvertStringSecurityDescriptorToSecurityDescriptorW(sddl, SDDL_REVISION_1, ctypes.byref(descriptor), None):
        raise ctypes.WinError(ctypes.get_last_error())
    try:
        attributes = SecurityAttributes(ctypes.sizeof(SecurityAttributes), descriptor, False)
        flags = _winapi.PIPE_ACCESS_DUPLEX | _winapi.FILE_FLAG_OVERLAPPED
        if first:
            flags |= _winapi.FILE_FLAG_FIRST_PIPE_INSTANCE
        handle = kernel32.CreateNamedPipeW(
            address, flags, PIPE_TYPE_BYTE | PIPE_READMODE_BYTE | _winapi.PIPE_WAIT | PIPE_REJECT_REMOTE_CLIENTS,
            _winapi.PIPE_UNLIMITED_INSTANCES, BUFFER, BUFFER, 0, ctypes.byref(attributes),
        )
    finally:
        kernel32.LocalFree(descriptor)
    if handle is None or handle == ctypes.c_void_p(-1).value:  # INVALID_HANDLE_VALUE
        raise ctypes.WinError(ctypes.get_last_error())
    return int(handle)


def _libraries() -> tuple[ctypes.CDLL, ctypes.CDLL]:
    """WINDOWS ONLY. advapi32 and kernel32, with the argument types of the functions used
    (handles and pointers are 64 bits: ctypes' default int would cut them)."""
    if sys.platform != "win32":
        raise rendezvous.Unavailable(WINDOWS_ONLY)
    import ctypes
    from ctypes import wintypes

    advapi32 = ctypes.WinDLL("advapi32", use_last_error=True)
    kernel32 = ctypes.WinDLL("kernel32", use_last_error=True)
    pointer, handle, dword = ctypes.c_void_p, wintypes.HANDLE, wintypes.DWORD
    kernel32.GetCurrentProcess.restype = handle
    kernel32.CloseHandle.argtypes = [handle]
    kernel32.LocalFree.argtypes = [pointer]
    kernel32.LocalFree.restype = pointer
    kernel32.CreateNamedPipeW.argtypes = [wintypes.LPCWSTR, dword, dword, dword, dword, dword, dword, pointer]
    kernel32.CreateNamedPipeW.restype = handle
    advapi32.OpenProcessToken.argtypes = [handle, dword, ctypes.POINTER(handle)]
    advapi32.GetTokenInformation.argtypes = [handle, ctypes.c_int, pointer, dword, ctypes.POINTER(dword)]
    advapi32.ConvertSidToStringSidW.argtypes = [pointer, ctypes.POINTER(wintypes.LPWSTR)]
    advapi32.ConvertStringSecurityDescriptorToSecurityDescriptorW.argtypes = [
        wintypes.LPCWSTR, dword, ctypes.POINTER(pointer), ctypes.POINTER(wintypes.ULONG)]
    advapi32.GetSecurityInfo.argtypes = [handle, ctypes.c_int, dword, ctypes.POINTER(pointer), ctypes.POINTER(pointer),
                                         ctypes.POINTER(pointer), ctypes.POINTER(pointer), ctypes.POINTER(pointer)]
    advapi32.GetSecurityInfo.restype = dword
    return advapi32, kernel32
