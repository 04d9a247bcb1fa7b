"""Reading what people write: what a question asks (its kind, measure, period, grade), words and
tokens, synonyms and spelling, places.
"""
