"""Offline work on quality: question sets and their scores, fitting the decision (calibrate),
tuning the encoder on the knowledge, and the gaps report of what was asked and not answered.
"""
