"""A tiny module, installed only for the tests by writing its package and its entry point into a folder on
sys.path (see tests/hcm/test_modules.py): proof that a module plugs in with no change to ``hcm/``."""
