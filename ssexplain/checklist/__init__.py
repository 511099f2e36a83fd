"""The symptom checklist: the questions to take to a doctor, and their PDF."""
