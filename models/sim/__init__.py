"""Procedural pen simulator: top-down pen video with exact ground truth (see docs/simulator.md).

Entry points: `models.sim.scenario` (`ScenarioConfig`, `Scenario.from_config`, `scenario_set`),
`models.sim.render.generate` (frames in memory) and `models.sim.writer.render_clip` (files on disk).
"""
