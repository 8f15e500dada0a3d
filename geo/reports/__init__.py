"""The safety report (平安报表): an Excel workbook and a PDF / printable HTML of a drill step."""
