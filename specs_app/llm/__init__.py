"""LLM providers: registry, clients, selection, usage and question rephrasing."""
