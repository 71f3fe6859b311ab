"""What PMOs bring from elsewhere: project plans from Microsoft Project (.mpp, .mpx, Project XML).

`plans.read_plan` is the entry: it tells the kind of file from its bytes and hands it to the native Project XML
reader (`project_xml`, no Java) or to MPXJ (`mpp`). Both give the same frozen `schedule.Plan`.
"""
