"""The pure core: no Slack, no I/O but files. One folder per job: ``knowledge/`` the facts as
data, ``language/`` reading a question, ``matching/`` answering it, ``authoring/`` drafting new
facts, ``evaluation/`` measuring and fitting, ``safety/`` screening.
"""
