"""Settings modules: ``base`` (everything, read from the environment), ``dev`` (the
embedded default behind ``make run``), ``test`` and ``production``."""
