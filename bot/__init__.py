"""The edge: everything that talks to Slack and to people, above the pure core (``retrieval``).

``slack/`` the Slack surface, ``runtime/`` running the bot, ``storage/`` what it keeps, ``cli/``
the ``ofsted-bot`` command line.
"""
