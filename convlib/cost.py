"""Parameters and multiply-adds (placeholder; being written)."""
__all__: list[str] = []
