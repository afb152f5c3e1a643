package fakeyoutube

// The quota day runs from midnight to midnight Pacific time; linking the
// zone database in keeps that right on machines without one.
import _ "time/tzdata"
