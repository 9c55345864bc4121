"""kratix-ops: the library behind `invoke`. Functions take their collaborators and return data."""
