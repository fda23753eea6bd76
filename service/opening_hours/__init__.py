"""When each line is open: weekly hours, Danish public holidays and the authority's closed days."""
