"""The Slack surface: the Bolt app, one module per kind of listener, the one question path they
share (``answering``), Block Kit, App Home, threads and the admin tools.
"""
