"""Home pages: what is waiting for the signed-in person, by role."""
