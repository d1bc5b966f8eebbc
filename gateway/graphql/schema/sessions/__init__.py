"""Sessions, their participants, and dial-in numbers."""
