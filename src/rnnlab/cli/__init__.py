"""The ``rnnlab`` command line: parse, build a config, call ``run(config)``."""
