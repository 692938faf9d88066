"""Management commands of sequere (``manage.py sequere_check``...)."""
