"""Evaluation: readers for MOTChallenge and Edinburgh files, tracking / re-identification / behaviour
metrics, leakage-free splits, resource measurements and reports. See docs/evaluation.md."""

from models.eval.behaviour import behaviour_metrics, confusion_matrix
from models.eval.edinburgh import BEHAVIOUR_MAP, edinburgh_behaviours, edinburgh_frames, read_edinburgh
from models.eval.mot_io import read_mot, write_mot
from models.eval.reid import cross_day_retrieval, false_merge_rates, retrieval_metrics
from models.eval.resources import count_parameters, measure_fps, peak_cuda_bytes, peak_rss_bytes
from models.eval.splits import assign_groups, group_split
from models.eval.tracking import evaluate_tracking

__all__ = [
    "BEHAVIOUR_MAP",
    "assign_groups",
    "behaviour_metrics",
    "confusion_matrix",
    "count_parameters",
    "cross_day_retrieval",
    "edinburgh_behaviours",
    "edinburgh_frames",
    "evaluate_tracking",
    "false_merge_rates",
    "group_split",
    "measure_fps",
    "peak_cuda_bytes",
    "peak_rss_bytes",
    "read_edinburgh",
    "read_mot",
    "retrieval_metrics",
    "write_mot",
]
