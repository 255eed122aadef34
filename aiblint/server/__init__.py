"""The resident mode (issue 21): ``aiblint server`` keeps a warm aiblint per
repository, and ``aiblint --server ...`` (or ``AIBLINT_SERVER=1``) runs a command
through it, or as usual when none answers.

- :mod:`aiblint.server.rendezvous`: where a server listens, and the messages;
- :mod:`aiblint.server.client`: the console script's front: the thin client;
- :mod:`aiblint.server.daemon`: the server's life (warm-up, requests, exits);
- :mod:`aiblint.server.spare`: the child of the next request, forked and warmed up ahead of it;
- :mod:`aiblint.server.child`: one request, in the child forked for it;
- :mod:`aiblint.server.relay`: the client's standard streams as frames, where file
  descriptors cannot travel (Windows; forced for tests by ``AIBLINT_SERVER_RELAY=1``);
- :mod:`aiblint.server.winpipe`, :mod:`aiblint.server.winserver`: Windows (a named pipe, a
  process per request); written, never run on Windows here.

They sit on top of :mod:`aiblint.cli` (a front door like it); nothing below imports them.
"""
