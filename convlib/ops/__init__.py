"""From-scratch operators, each checked against PyTorch's built-in (placeholder; being written)."""
__all__: list[str] = []
