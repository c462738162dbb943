"""Units and the sign convention of dcsim, stated once.

Units
-----
Every physical quantity carries its unit in its name: ``_mw`` megawatts, ``_mwh`` megawatt-hours,
``_s`` seconds, ``_h`` hours, ``_c`` degrees Celsius, ``_usd`` US dollars and ``_pu`` per unit
(a fraction of a nominal value). Inside the engine the clock is a float of **seconds** since the
run's ``start``; configs and results speak **hours** (``start_h``, ``time_h``).

Sign convention
---------------
Power flowing **into the site bus is positive**. A source (grid import, turbine output, battery
discharge) has a positive power; a battery that charges has a negative ``battery_mw``. Loads
(``load_mw``, ``it_mw``, ``cooling_mw``) are reported as the positive magnitude they withdraw.
The bus balance at every instant is therefore::

    grid_mw + turbines_mw + battery_mw + unserved_mw = load_mw + curtailed_mw

where ``unserved_mw`` is load that no source could supply and ``curtailed_mw`` is supply that no
load could take.
"""

from __future__ import annotations

S_PER_H = 3600.0
"""Seconds per hour [s/h]."""

H_PER_S = 1.0 / S_PER_H
"""Hours per second [h/s]."""

KW_PER_TON = 3.51685
"""Heat removed by one ton of refrigeration [kW/ton]: 12,000 Btu/h; so a chiller's
``kW/ton = KW_PER_TON / COP``."""
