package ingest

import "timeclock/internal/punch"

// answerJob is what one commit hands to the answer stage; a job with a
// barrier only reports that every job before it is done.
type answerJob struct {
	acks     []Message
	answers  []Answer
	counts   [nResults]int
	feedback [3]int // answers by result: ok, unknown_card, rejected
	barrier  chan struct{}
}

var feedbackLabels = [3]punch.Result{punch.ResultOK, punch.ResultUnknownCard, punch.ResultRejected}

func feedbackIndex(r punch.Result) int {
	switch r {
	case punch.ResultUnknownCard:
		return 1
	case punch.ResultRejected:
		return 2
	}
	return 0
}

// answerLoop acknowledges and answers the commits in order, each at once.
func (p *Pipeline) answerLoop(jobs <-chan answerJob) {
	for job := range jobs {
		if job.barrier != nil {
			close(job.barrier)
			continue
		}
		for i := range job.acks {
			if a := job.acks[i].Ack; a != nil {
				a()
			}
		}
		if p.out != nil {
			p.out.Done(job.acks, job.answers)
		}
		for r, n := range job.counts {
			if n > 0 && r != resStatus {
				p.m.Events.WithLabelValues(resultLabels[r]).Add(float64(n))
			}
		}
		for r, n := range job.feedback {
			if n > 0 {
				p.m.Feedback.WithLabelValues(string(feedbackLabels[r])).Add(float64(n))
			}
		}
	}
}

// flushAnswers waits until the answer stage has done every job queued so
// far.
func flushAnswers(jobs chan<- answerJob) {
	b := make(chan struct{})
	jobs <- answerJob{barrier: b}
	<-b
}
