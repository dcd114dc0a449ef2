"""Nine-class behaviour over short windows of a track, bouts with smoothing, and zone visits."""
