"""Reporting: report sources, user reports for administrators and managers, exports
(CSV, Excel, ODS) and the learner's Record of learning. Reads every other app, changes none.
"""
