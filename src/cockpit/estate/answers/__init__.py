"""The estate's own answers to AWS calls moto lacks but the runbooks make (see ``wsgi_answers``)."""
