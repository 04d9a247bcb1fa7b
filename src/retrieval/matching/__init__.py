"""Answering: the index of facts (embeddings and BM25), scoring a question, the rules and the
fitted decision to answer or decline, follow-ups in a thread, and the one ``Answer`` contract.
"""
