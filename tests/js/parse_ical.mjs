// Parse an iCalendar document from stdin with ical.js (Thunderbird's parser)
// and print what a calendar app would show, as JSON, with UTC instants.
import ICAL from "ical.js";

let input = "";
process.stdin.setEncoding("utf8");
for await (const chunk of process.stdin) input += chunk;

const root = new ICAL.Component(ICAL.parse(input));
for (const vtz of root.getAllSubcomponents("vtimezone")) {
  ICAL.TimezoneService.register(vtz);
}
const prop = (name) => root.getFirstPropertyValue(name);
const events = root.getAllSubcomponents("vevent").map((component) => {
  const event = new ICAL.Event(component);
  const categories = component
    .getAllProperties("categories")
    .flatMap((p) => p.getValues());
  return {
    uid: event.uid,
    summary: event.summary,
    description: event.description,
    location: event.location,
    url: component.getFirstPropertyValue("url"),
    categories,
    status: component.getFirstPropertyValue("status"),
    class: component.getFirstPropertyValue("class"),
    sequence: event.sequence,
    start: event.startDate.toJSDate().toISOString(),
    end: event.endDate.toJSDate().toISOString(),
    startTzid: event.startDate.zone ? event.startDate.zone.tzid : null,
  };
});
console.log(
  JSON.stringify({
    version: prop("version"),
    prodid: prop("prodid"),
    method: prop("method"),
    calscale: prop("calscale"),
    name: prop("x-wr-calname"),
    description: prop("x-wr-caldesc"),
    refresh: String(prop("refresh-interval")),
    timezones: root.getAllSubcomponents("vtimezone").map((tz) => tz.getFirstPropertyValue("tzid")),
    events,
  }),
);
