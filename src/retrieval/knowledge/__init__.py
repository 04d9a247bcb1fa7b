"""The knowledge as data: the one schema of sources and facts (pydantic), loading and checking a
folder of YAML, and what a figure is.
"""
