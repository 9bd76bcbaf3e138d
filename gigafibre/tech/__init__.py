"""The technician's day: magic links, the /j/<token> page's data, check-ins and equipment."""
