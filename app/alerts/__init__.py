"""Alerts domain: "needs attention" deviations of an animal's feeding, drinking or activity."""
