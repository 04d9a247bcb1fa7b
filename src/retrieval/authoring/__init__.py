"""Growing the knowledge: an article or PDF read into sentences, draft facts with figures and
periods (``knowledge draft``), and the coverage of a source by its facts.
"""
