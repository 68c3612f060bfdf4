"""Measuring: the servers under test and their CPU time, the databases they serve, wrk,
and medians of ratios paired within a round."""
