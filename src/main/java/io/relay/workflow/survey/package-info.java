/**
 * The {@code survey} workflow: when a conversation closes, emails the visitor a link to a satisfaction survey, signed
 * so that the survey site can tell the link came from Relay ({@link io.relay.workflow.survey.SurveyTokens}).
 */
@NullMarked
package io.relay.workflow.survey;

import org.jspecify.annotations.NullMarked;
