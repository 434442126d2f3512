"""`python -m autograd`: the command line in autograd.cli."""

from autograd.cli import main

if __name__ == "__main__":
    raise SystemExit(main())
