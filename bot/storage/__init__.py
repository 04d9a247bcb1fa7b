"""What the bot keeps: the database schema, its Alembic migrations, and the store of questions,
feedback and replica state.
"""
