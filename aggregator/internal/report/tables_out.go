package report

import (
	_ "embed"
	"encoding/csv"
	"html/template"
	"io"
	"strconv"

	"timeclock/internal/overtime"
)

//go:embed tables.html.tmpl
var tablesTmpl string

var tablesPage = template.Must(template.New("tables").Parse(tablesTmpl))

// cell is one printed statistic; Hidden marks a group below MinGroup.
type cell struct {
	Text   string
	Hidden bool
}

type statRow struct {
	Label                          string
	Headcount, Over45, Share, Mean cell
	Buckets                        [4]cell
}

type pageData struct {
	Title, Board, FYName string
	MinGroup             int
	Sections             []section
	Year                 []kv
	RoleTypeHead         []string
	RoleType             [][]string
	Counts               []kv
}

type section struct {
	Title string
	Rows  []statRow
}

type kv struct{ K, V string }

func stat(label string, g *overtime.GroupStats) statRow {
	r := statRow{Label: label}
	if g == nil || g.Headcount == 0 {
		r.Headcount = cell{Text: "0"}
		for _, c := range []*cell{&r.Over45, &r.Share, &r.Mean, &r.Buckets[0], &r.Buckets[1], &r.Buckets[2], &r.Buckets[3]} {
			*c = cell{Text: "—"}
		}
		return r
	}
	if g.Headcount < MinGroup {
		hide := cell{Text: "＊", Hidden: true}
		r.Headcount, r.Over45, r.Share, r.Mean = hide, hide, hide, hide
		r.Buckets = [4]cell{hide, hide, hide, hide}
		return r
	}
	n := int64(g.Headcount)
	r.Headcount = cell{Text: strconv.Itoa(g.Headcount)}
	r.Over45 = cell{Text: strconv.Itoa(g.Over45)}
	r.Share = cell{Text: Pct(int64(g.Over45), n)}
	r.Mean = cell{Text: HMMRatio(g.SumMin, n)}
	for i, b := range g.Buckets {
		r.Buckets[i] = cell{Text: strconv.Itoa(b)}
	}
	return r
}

func (t *FYTables) page() pageData {
	p := pageData{Board: t.Board, FYName: fyName(t.FY), MinGroup: MinGroup}
	p.Title = t.Board + " " + p.FYName + " 在校等時間の状況"
	all := section{Title: "教育委員会全体"}
	for i := range t.Months {
		all.Rows = append(all.Rows, stat(monthName(t.Months[i].Month), &t.Months[i].All))
	}
	p.Sections = append(p.Sections, all)
	extra := t.complementary()
	for _, st := range t.Types {
		s := section{Title: label(typeLabels, st)}
		for i := range t.Months {
			r := stat(monthName(t.Months[i].Month), t.Months[i].ByType[st])
			if extra[i][st] {
				r = hideFigures(r)
			}
			s.Rows = append(s.Rows, r)
		}
		p.Sections = append(p.Sections, s)
	}
	hidden := t.Staff < MinGroup
	yearVal := func(v string) string {
		if hidden {
			return "＊"
		}
		return v
	}
	sm := int64(t.StaffMonths)
	p.Year = []kv{
		{"対象人数", strconv.Itoa(t.Staff)},
		{"年540時間（45時間×12）以上の割合", yearVal(Pct(int64(t.Ge540), int64(t.Staff)))},
		{"年960時間（80時間×12）以上の割合", yearVal(Pct(int64(t.Ge960), int64(t.Staff)))},
		{"月平均の時間外在校等時間", yearVal(HMMRatio(t.SumMin, sm))},
		{"月45時間以下の月の割合（目標90%）", yearVal(Pct(int64(t.Under45), sm))},
	}
	p.RoleTypeHead = []string{"職種"}
	for _, st := range tableTypes {
		p.RoleTypeHead = append(p.RoleTypeHead, label(typeLabels, st))
	}
	for _, role := range tableRoles {
		row := []string{label(roleLabels, role)}
		for _, st := range tableTypes {
			g := t.RoleType[[2]string{role, st}]
			row = append(row, meanCell(g))
		}
		p.RoleType = append(p.RoleType, row)
	}
	for _, r := range overtime.DefaultRules() {
		p.Counts = append(p.Counts, kv{label(ruleLabels, r.ID) + "（人・月）", strconv.Itoa(t.RuleMonths[r.ID])})
	}
	p.Counts = append(p.Counts,
		kv{label(ruleLabels, "interval_11") + "（日）", strconv.Itoa(t.IntervalBreaches)},
		kv{label(ruleLabels, "lock_time") + "（日）", strconv.Itoa(t.LockBreaches)},
		kv{"打刻漏れ・未完了の日（日）", strconv.Itoa(t.IncompleteDays)},
		kv{"削減の申告（自己研鑽・取消）（件）", strconv.Itoa(t.Reductions)},
		kv{"自己研鑽として除いた時間", HMM(int64(t.ReductionMin))},
		kv{"持ち帰り業務（在校等時間に含まない）", HMM(int64(t.TakehomeMin))},
	)
	return p
}

// complementary picks, per month, the school-type groups to hide besides
// those under MinGroup: when exactly one type is hidden and the board total
// is shown, that type's figures are the total minus the others, so the
// smallest shown type is hidden too (secondary suppression).
func (t *FYTables) complementary() []map[string]bool {
	out := make([]map[string]bool, len(t.Months))
	for i := range t.Months {
		mt := &t.Months[i]
		out[i] = map[string]bool{}
		if mt.All.Headcount < MinGroup {
			continue
		}
		hidden, smallest := 0, ""
		for _, st := range t.Types {
			g := mt.ByType[st]
			switch {
			case g == nil || g.Headcount == 0:
			case g.Headcount < MinGroup:
				hidden++
			case smallest == "" || g.Headcount < mt.ByType[smallest].Headcount:
				smallest = st
			}
		}
		if hidden == 1 && smallest != "" {
			out[i][smallest] = true
		}
	}
	return out
}

// hideFigures keeps a row's headcount and hides its figures.
func hideFigures(r statRow) statRow {
	hide := cell{Text: "＊", Hidden: true}
	r.Over45, r.Share, r.Mean = hide, hide, hide
	r.Buckets = [4]cell{hide, hide, hide, hide}
	return r
}

func meanCell(g *overtime.GroupStats) string {
	switch {
	case g == nil || g.Headcount == 0:
		return "—"
	case g.Headcount < MinGroup:
		return "＊"
	}
	return HMMRatio(g.SumMin, int64(g.Headcount))
}

// WriteHTML writes the printable Japanese page of the tables.
func (t *FYTables) WriteHTML(w io.Writer) error {
	return tablesPage.Execute(w, t.page())
}

// WriteCSV writes the same tables as CSV: one line per printed value,
// `表,区分,項目,値` (a long format that survives any spreadsheet), h:mm times.
func (t *FYTables) WriteCSV(w io.Writer) error {
	cw := csv.NewWriter(w)
	cw.Write([]string{"表", "区分", "項目", "値"})
	p := t.page()
	cols := []string{"対象人数", "45時間超人数", "割合", "平均時間", "45時間未満", "45〜80時間未満", "80〜100時間未満", "100時間以上"}
	for _, s := range p.Sections {
		for _, r := range s.Rows {
			vals := []cell{r.Headcount, r.Over45, r.Share, r.Mean, r.Buckets[0], r.Buckets[1], r.Buckets[2], r.Buckets[3]}
			for i, c := range vals {
				cw.Write([]string{"月別", s.Title + " " + r.Label, cols[i], c.Text})
			}
		}
	}
	for _, x := range p.Year {
		cw.Write([]string{"年度", "教育委員会全体", x.K, x.V})
	}
	for _, row := range p.RoleType {
		for i, v := range row[1:] {
			cw.Write([]string{"職種×学校種別 月平均", row[0], p.RoleTypeHead[i+1], v})
		}
	}
	for _, x := range p.Counts {
		cw.Write([]string{"件数", "教育委員会全体", x.K, x.V})
	}
	cw.Flush()
	return cw.Error()
}
