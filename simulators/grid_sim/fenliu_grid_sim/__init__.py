"""grid-sim: the reference grid platform (网格化社会治理平台) for the demo and the tests.

A real HTTP server speaking ``api/grid-platform.openapi.yaml``: it stores orders,
plays each order's life back through the signed lifecycle webhook, and can be told
to misbehave (errors, slowness) through ``/admin/faults``.
"""

from fenliu_grid_sim.app import GridSim, SimConfig
from fenliu_grid_sim.life import LifeKnobs, Step, plan_life

__all__ = ["GridSim", "LifeKnobs", "SimConfig", "Step", "plan_life"]
