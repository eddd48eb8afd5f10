"""The published reports inside the service: each review's whole report, and every recommendation,
sub-point and action shown in its place with the quoted passage highlighted; action titles."""
