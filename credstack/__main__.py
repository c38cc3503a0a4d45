from credstack.cli import main

# Guarded, as a module's entry point should be: importing it must not start the command line.
if __name__ == "__main__":
    raise SystemExit(main())
