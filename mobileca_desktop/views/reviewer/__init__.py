"""For trainers on the local CA: the CA 审核台 window and the demo clock dialog."""
