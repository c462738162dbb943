"""The site: where the facility is, as far as the clock is concerned (:class:`SiteConfig`), and
how the run's ``start`` is read in the site's time zone (:func:`site_start`).

Everything local — a tariff's time-of-use hours and seasons, the calendar months of demand
charges, the synthetic weather's diurnal cycle, the timeseries' ``timestamp`` — is the wall
clock of the site's zone, with its daylight saving (:mod:`zoneinfo`, the IANA database).

The rules for ``start`` (README, "Time zones"):

- no ``start``: local midnight of 2025-01-01 in the site's zone;
- a ``start`` with a UTC offset: that instant; with ``site.timezone`` given, the offset must be
  the zone's at that instant (``-05:00`` in a Chicago January is refused, naming ``-06:00``);
- a ``start`` without an offset: the site's wall clock, so ``site.timezone`` must be given
  (refused otherwise, saying how to write it); a wall-clock time that the zone skips (spring
  forward) or passes twice (fall back) is refused, naming the offsets to choose from.

Without ``site.timezone`` the site keeps the fixed UTC offset of ``start`` (no daylight saving),
or UTC without a ``start``: what every config meant before the key existed.
"""

from __future__ import annotations

import datetime as dt
import difflib
import functools
import zoneinfo

from pydantic import Field, field_validator

from sim.config.schema.base import StrictModel

DEFAULT_START_LOCAL = dt.datetime(2025, 1, 1)
"""Wall-clock time of t = 0 of a config without ``start``: local midnight, 1 January 2025."""

MAX_TIMEZONE_CHARS = 64
"""Longest time-zone name (the IANA database's longest is 32 characters)."""


@functools.cache
def _known_zones() -> tuple[str, ...]:
    return tuple(sorted(zoneinfo.available_timezones()))


def zone_of(name: str) -> zoneinfo.ZoneInfo:
    """The IANA time zone ``name`` (``America/Chicago``).

    Raises
    ------
    ValueError
        Naming ``name``, the closest known names and an example, when it is not a zone.
    """
    try:
        if len(name) > MAX_TIMEZONE_CHARS:
            raise ValueError(name)
        return zoneinfo.ZoneInfo(name)
    except (ValueError, KeyError, OSError):
        close = [z for z in _known_zones() if z.lower() == name.lower()]  # america/chicago
        close = close or difflib.get_close_matches(name, _known_zones(), n=3, cutoff=0.6)
        hint = f" (did you mean {', '.join(close)}?)" if close else ""
        raise ValueError(
            f"unknown time zone {name!r}{hint}: give an IANA name such as America/Chicago, "
            "America/New_York, Europe/London or UTC"
        ) from None


class SiteConfig(StrictModel):
    """Where the site is: its time zone, and its latitude and longitude (for solar)."""

    timezone: str | None = Field(
        None,
        description=(
            "IANA time zone of the site (America/Chicago, America/New_York, UTC), with its "
            "daylight saving: tariff hours, months, the weather's day and the timestamps are "
            "its wall clock. Default: UTC — or the fixed UTC offset of `start` when it has "
            "one (no daylight saving, as before this key existed)."
        ),
    )

    latitude_deg: float | None = Field(
        None,
        ge=-90,
        le=90,
        description="Latitude [° north], -90–90; required with solar:, unused otherwise.",
    )
    longitude_deg: float | None = Field(
        None,
        ge=-180,
        le=180,
        description="Longitude [° east; west negative], -180–180; required with solar:.",
    )

    @field_validator("timezone")
    @classmethod
    def _known(cls, name: str | None) -> str | None:
        if name is not None:
            zone_of(name)
        return name


def _offset(delta: dt.timedelta | None) -> str:
    """``-05:00`` for a UTC offset of -5 h."""
    seconds = int((delta or dt.timedelta(0)).total_seconds())
    sign = "-" if seconds < 0 else "+"
    hours, rest = divmod(abs(seconds), 3600)
    return f"{sign}{hours:02d}:{rest // 60:02d}"


def _local(naive: dt.datetime, zone: zoneinfo.ZoneInfo, name: str) -> dt.datetime:
    """The wall-clock time ``naive`` in ``zone``; refused if the zone skips it or has it twice."""
    first, second = naive.replace(tzinfo=zone, fold=0), naive.replace(tzinfo=zone, fold=1)
    round_trip = first.astimezone(dt.timezone.utc).astimezone(zone).replace(tzinfo=None)
    if round_trip != naive:
        raise ValueError(
            f"{naive.isoformat()} does not exist in {name} (the clocks spring forward over it): "
            f"give a time outside the gap, such as {round_trip.isoformat()}"
        )
    if first.utcoffset() != second.utcoffset():
        raise ValueError(
            f"{naive.isoformat()} happens twice in {name} (the clocks fall back): write its "
            f"offset, {naive.isoformat()}{_offset(first.utcoffset())} for the first or "
            f"{naive.isoformat()}{_offset(second.utcoffset())} for the second"
        )
    return first


def site_start(start: dt.datetime | None, timezone: str | None) -> dt.datetime:
    """The run's start as an aware datetime in the site's zone (see the module's rules).

    Parameters
    ----------
    start : datetime or None
        ``start`` as given: with a UTC offset, without one, or None for the default.
    timezone : str or None
        ``site.timezone`` (a valid IANA name), or None.

    Raises
    ------
    ValueError
        For a start without an offset and no ``site.timezone``, an offset other than the zone's
        at that instant, or a wall-clock time the zone skips or passes twice.
    """
    if timezone is None:
        if start is None:
            return DEFAULT_START_LOCAL.replace(tzinfo=dt.timezone.utc)
        if start.utcoffset() is None:
            raise ValueError(
                "has no UTC offset: write one (2025-07-01T00:00:00-05:00), or give "
                "site.timezone (an IANA name such as America/Chicago) to read it as the "
                "site's local time"
            )
        return start
    zone = zone_of(timezone)
    if start is None:
        return _local(DEFAULT_START_LOCAL, zone, timezone)
    if start.utcoffset() is None:
        return _local(start, zone, timezone)
    local = start.astimezone(zone)
    if local.utcoffset() != start.utcoffset():
        wall = start.replace(tzinfo=None).isoformat()
        raise ValueError(
            f"has the UTC offset {_offset(start.utcoffset())}, but site.timezone {timezone} is "
            f"at {_offset(local.utcoffset())} then: write {local.isoformat()} (this instant), "
            f"or {wall} without an offset (that time on the site's clock)"
        )
    return local
