"""Power-side components on the site bus: grid, battery and gas turbines.

Each component is a small plain class holding its parameters and its state. Between events its
power is constant and its stored quantities move linearly; the bus (:mod:`sim.dispatch`) asks it
for its limits, sets its power, advances it exactly over elapsed time and asks when it will next
cross a threshold. Sign convention: see :mod:`sim.units` (into the bus is positive).
"""
