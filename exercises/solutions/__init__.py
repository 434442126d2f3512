"""Reference solutions to the exercises (look only after trying)."""
