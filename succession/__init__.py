"""Succession for HR directors: the key-post register, succession plans with ranked slates and readiness, what it
takes for a successor to be ready now, talent pools, bench strength and the vacancy what-if (a module: it
registers in ``succession.module``)."""
