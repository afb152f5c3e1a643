package gormstore

import "gorm.io/gorm"

// pageLimit keeps a page's size within 1..100 (20 otherwise).
func pageLimit(limit int) int {
	if limit < 1 || limit > 100 {
		return 20
	}
	return limit
}

// idPage reads one page of q's rows by their id column: after cursor in ID
// order, or, newestFirst, before it in reverse (IDs begin with their
// creation time, serentak.NewID). It returns at most limit rows, each
// converted by conv, and the next page's cursor: the last row's ID, ""
// on the last page. what names the rows in an error.
func idPage[R, T any](q *gorm.DB, cursor string, limit int, newestFirst bool, id func(R) string, conv func(R) T, what string) ([]T, string, error) {
	after, order := "id > ?", "id"
	if newestFirst {
		after, order = "id < ?", "id DESC"
	}
	if cursor != "" {
		q = q.Where(after, cursor)
	}
	var rows []R
	if err := q.Order(order).Limit(limit + 1).Find(&rows).Error; err != nil {
		return nil, "", dbError("find "+what, err)
	}
	next := ""
	if len(rows) > limit {
		rows = rows[:limit]
		next = id(rows[limit-1])
	}
	out := make([]T, len(rows))
	for i, r := range rows {
		out[i] = conv(r)
	}
	return out, next, nil
}
