from credstack.cli import main

# Guarded: `credstack serve --workers N` starts its workers with multiprocessing's spawn, which
# imports the parent's __main__ module (as __mp_main__) in every worker.
if __name__ == "__main__":
    raise SystemExit(main())
