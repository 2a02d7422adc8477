"""What the grades become: grades.csv, the class report and feedback pages."""
