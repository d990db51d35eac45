// Reads .ics files with ical.js (the parser of Thunderbird and Nextcloud Calendar), as those clients
// do: the calendar's VTIMEZONE components are registered, then each VEVENT's start and end are
// converted to UTC. Prints one JSON array: per file, {method, events: [{uid, sequence, status,
// start, end}]} with start/end as ISO 8601 UTC strings.
import { readFileSync } from "node:fs";
import ICAL from "ical.js";

const results = [];
for (const path of process.argv.slice(2)) {
  const calendar = new ICAL.Component(ICAL.parse(readFileSync(path, "utf8")));
  for (const zone of calendar.getAllSubcomponents("vtimezone")) {
    ICAL.TimezoneService.register(new ICAL.Timezone(zone));
  }
  const events = calendar.getAllSubcomponents("vevent").map((component) => {
    const event = new ICAL.Event(component);
    return {
      uid: event.uid,
      sequence: event.sequence,
      status: component.getFirstPropertyValue("status"),
      start: event.startDate.toJSDate().toISOString(),
      end: event.endDate.toJSDate().toISOString(),
    };
  });
  results.push({ method: calendar.getFirstPropertyValue("method"), events });
  for (const zone of calendar.getAllSubcomponents("vtimezone")) {
    ICAL.TimezoneService.remove(zone.getFirstPropertyValue("tzid"));
  }
}
process.stdout.write(JSON.stringify(results));
