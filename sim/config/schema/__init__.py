"""The configuration schema: a tree of pydantic models, one module per section.

:mod:`~sim.config.schema.base` holds :class:`~sim.config.schema.base.StrictModel` and the ranges;
each section (:mod:`~sim.config.schema.grid`, :mod:`~sim.config.schema.power`,
:mod:`~sim.config.schema.cluster`, :mod:`~sim.config.schema.dispatch`,
:mod:`~sim.config.schema.cooling`, :mod:`~sim.config.schema.facility`) builds on it alone,
and :mod:`~sim.config.schema.root` puts them together in
:class:`~sim.config.schema.root.Config`. Import the models from :mod:`sim.config`; this
module re-exports nothing, so importing a section never imports the root.
"""
