"""Demo and scale data, for development, tests and benchmarks only: the demo built from the
source documents (``manage.py load_demo``), the synthetic national-scale data
(``manage.py generate_scale_data``) and the source documents' task tables as .xlsx files
(``python -m demo.tables OUTDIR``).

The app has no models. It is installed by the dev and test settings; the production
settings add it only when PORTAL_DEMO is true (see docs/deploy.md). No production app
imports it (tests/test_demo_isolation.py).
"""
